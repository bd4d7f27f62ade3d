import { hasClinicalRole } from '../domain/roles';
import { referralTasksToRaise, type ReferralFact } from '../domain/referrals';
import type { LiveClinicTasks } from './clinic-tasks.svelte';
import { chartFactsOnDevice } from './registries.service.svelte';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * Raises a task for each referral sent from a chart on this device that is
 * still open past its due date (domain/referrals.ts): for the clinicians,
 * linked to the patient and the referral. Run by a clinical user's device
 * when My tasks opens and after each sync; the task's id is fixed by the
 * referral, so devices that raise it at once write the same task.
 */
export async function raiseReferralTasks(
  tasks: LiveClinicTasks,
  describe: (r: ReferralFact) => string,
  today = new Date().toISOString().slice(0, 10),
  ws: Workspace = currentWorkspace()
): Promise<number> {
  if (!hasClinicalRole(ws.user.roles) || !tasks.canEdit) return 0;
  const facts = await chartFactsOnDevice(ws);
  const byPatient = new Map([...facts].map(([patientId, f]) => [patientId, f.referrals]));
  const drafts = referralTasksToRaise(byPatient, new Set(tasks.all.map((t) => t.id)), today);
  for (const d of drafts) {
    tasks.add(
      {
        description: describe(d.referral),
        patientId: d.patientId,
        owner: { kind: 'role', role: 'clinician' },
        dueDate: d.dueDate,
        category: 'clinical',
        focus: { kind: 'referral', ref: d.referral.id, label: d.referral.destinationName.slice(0, 200) }
      },
      d.id
    );
  }
  return drafts.length;
}
