import type { TLSSocket } from 'node:tls';
import { docAccess } from '../../../src/lib/domain/doc-names';
import { AppError } from '../../../src/lib/domain/errors';
import { evaluateAll, evaluateMeasure, providersIn, type MeasureResult } from '../../../src/lib/domain/measures/evaluate-measures';
import { MEASURES, measureById } from '../../../src/lib/domain/measures/measure-definitions';
import { calendarYear, checkPeriod, type Period } from '../../../src/lib/domain/measures/measure-facts';
import { measureBundle, measureReport, measureResource, NOT_CERTIFIED, patientsCsv, summaryCsv } from '../../../src/lib/domain/measures/measure-fhir';
import { fhirReader } from '../../fhir/export/fhir-reader';
import { OperationOutcomeError, sendFhir } from '../../fhir/operation-outcome';
import type { MeasureService } from '../../measures/measure-service';
import type { BearerResult } from '../../smart/smart-routes';
import type { AccessGate, Audit, SessionUser } from '../../types';
import { codeInCategory } from '../../../src/lib/domain/restriction-categories';
import type { PatientFacts } from '../../../src/lib/domain/measures/measure-facts';
import { requireUser, type RequestContext, type Route } from '../context';
import { sendJson } from '../errors';

/**
 * Quality measures over the clinic's stored charts (domain/measures):
 *
 * - `GET /fhir/R4/Measure`, `GET /fhir/R4/Measure/<id>` — the six Measure
 *   resources (no patient data; any FHIR reader of the clinic).
 * - `GET /fhir/R4/Measure/<id>/$evaluate-measure?periodStart=&periodEnd=&reportType=summary|subject-list`
 *   — a MeasureReport; `subject-list` names the patients of each population
 *   in contained Lists. Authorised like every FHIR read (fhir-reader.ts):
 *   staff with chart access, or an API client with `r` on MeasureReport
 *   (and on Patient for a subject list). Audited as `fhir.read`.
 * - `GET /api/measures` and `GET /api/measures/csv` — the page's data and
 *   its downloads. Clinicians and nurses get the patient lists (names and
 *   MRNs, to open the charts); an administrator, who may not open charts,
 *   gets the counts and rates only. Audited as `measures.report` /
 *   `measures.export` with the period and counts, never patient ids.
 *
 * A patient's restriction (server/access/) holds for measures too: a
 * problem in a category hidden from the reader (say a depression diagnosis
 * under a mental-health restriction) is left out of that patient's facts
 * for that reader, as the FHIR read leaves the Condition out, so neither a
 * drill-down list nor an exclusion count can reveal it. An API client is
 * never named by a restriction.
 *
 * The period defaults to the current calendar year; a bad period is a 400
 * with the reason.
 */
export interface MeasureRouteDeps {
  measures: MeasureService;
  audit: Audit;
  bearer?: (req: RequestContext['req']) => BearerResult;
  /** Patient restrictions (server/access/): problems in a category hidden from the reader are not counted for that reader. */
  access?: Pick<AccessGate, 'hiddenCategories'>;
}

function fhirBase(ctx: RequestContext): string {
  const scheme = (ctx.req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${ctx.req.headers.host ?? 'localhost'}/fhir/R4`;
}

/** periodStart/periodEnd from the query (FHIR dates; a dateTime is cut to its day), defaulting to this calendar year. */
function periodOf(q: URLSearchParams): Period {
  const start = q.get('periodStart');
  const end = q.get('periodEnd');
  if (!start && !end) return calendarYear(new Date().getUTCFullYear());
  const checked = checkPeriod((start ?? '').slice(0, 10), (end ?? '').slice(0, 10));
  if (!checked.ok) throw new AppError('invalid', checked.message, [{ path: start ? 'periodEnd' : 'periodStart', message: checked.message }]);
  return checked.period;
}

const fhirInvalid = (diagnostics: string, expression: string) => new OperationOutcomeError(400, [{ severity: 'error', code: 'invalid', diagnostics, expression: [expression] }]);

export function measureRoutes(deps: MeasureRouteDeps): Route[] {
  const { measures, audit } = deps;
  const { authorize, allows, who } = fhirReader({ audit, bearer: deps.bearer });

  function measureOr404(id: string) {
    const m = measureById(id);
    if (!m) throw new OperationOutcomeError(404, [{ severity: 'error', code: 'not-found', diagnostics: `No Measure ${id} on this server (see /fhir/R4/Measure)` }]);
    return m;
  }

  /** Signed in with a role that may see measures: chart readers see patients, administrators counts only. */
  function staff(ctx: RequestContext): { user: SessionUser; patients: boolean } {
    const user = requireUser(ctx);
    const patients = docAccess(user.roles, 'chart') !== 'none';
    if (!patients && !user.roles.includes('admin')) {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'measures', ip: ctx.ip, detail: { reason: 'role' } });
      throw new AppError('forbidden', 'Quality measures are for clinicians, nurses and administrators.');
    }
    return { user, patients };
  }

  /** The facts as this reader may see them: restricted problems left out where a restriction hides them. */
  function visibleTo(userId: string, facts: readonly PatientFacts[]): readonly PatientFacts[] {
    const access = deps.access;
    if (!access) return facts;
    let out: PatientFacts[] | null = null;
    facts.forEach((f, i) => {
      const hidden = access.hiddenCategories(userId, f.patientId);
      if (hidden.length === 0) return;
      const shown = f.conditions.filter((c) => !c.codes.some((k) => k.startsWith('icd10|') && hidden.some((cat) => codeInCategory(k.slice('icd10|'.length), cat))));
      out ??= [...facts];
      out[i] = { ...f, conditions: shown };
    });
    return out ?? facts;
  }

  async function evaluate(clinicId: string, userId: string, period: Period, provider: string): Promise<{ results: MeasureResult[]; providers: string[] }> {
    const facts = visibleTo(userId, await measures.facts(clinicId));
    return { results: evaluateAll(facts, period, { provider }), providers: providersIn(facts, period) };
  }

  return [
    {
      method: 'GET',
      path: '/fhir/R4/Measure',
      handler(ctx) {
        authorize(ctx, 'Measure', 'search');
        sendFhir(ctx.res, 200, measureBundle(fhirBase(ctx)));
      }
    },
    {
      method: 'GET',
      path: '/fhir/R4/Measure/:id',
      handler(ctx) {
        authorize(ctx, 'Measure', 'read');
        sendFhir(ctx.res, 200, measureResource(measureOr404(ctx.params.id), fhirBase(ctx)));
      }
    },
    {
      method: 'GET',
      path: '/fhir/R4/Measure/:id/$evaluate-measure',
      async handler(ctx) {
        const q = ctx.url.searchParams;
        const reportType = q.get('reportType') ?? 'summary';
        if (reportType !== 'summary' && reportType !== 'population' && reportType !== 'subject-list') {
          throw fhirInvalid('reportType must be summary (population) or subject-list', 'reportType');
        }
        for (const [name] of q) {
          if (!['periodStart', 'periodEnd', 'reportType', '_format'].includes(name)) throw fhirInvalid(`$evaluate-measure takes no parameter ${name}`, name);
        }
        const user = authorize(ctx, 'MeasureReport', 'read');
        // A subject list names patients: a client needs read on Patient too.
        if (reportType === 'subject-list' && !allows(user, 'Patient', 'read')) authorize(ctx, 'Patient', 'read');
        const m = measureOr404(ctx.params.id);
        let period: Period;
        try {
          period = periodOf(q);
        } catch (err) {
          if (err instanceof AppError) throw fhirInvalid(err.message, q.get('periodStart') ? 'periodEnd' : 'periodStart');
          throw err;
        }
        const facts = visibleTo(user.userId ?? '', await measures.facts(user.clinicId));
        const result = evaluateMeasure(m, facts, period);
        const report = measureReport(result, fhirBase(ctx), reportType === 'subject-list' ? 'subject-list' : 'summary', new Date());
        audit.record({
          action: 'fhir.read',
          outcome: 'success',
          userId: user.userId,
          target: `measure:${m.id}`,
          ip: ctx.ip,
          detail: { interaction: 'evaluate-measure', resourceType: 'MeasureReport', reportType, periodStart: period.start, periodEnd: period.end, count: result.groups[0].populations.initialPopulation.length, ...who(user).clientDetail }
        });
        sendFhir(ctx.res, 200, report);
      }
    },
    {
      method: 'GET',
      path: '/api/measures',
      async handler(ctx) {
        const { user, patients } = staff(ctx);
        const period = periodOf(ctx.url.searchParams);
        const provider = (ctx.url.searchParams.get('provider') ?? '').slice(0, 200);
        const { results, providers } = await evaluate(user.clinicId, user.id, period, provider);
        const labels: Record<string, { mrn: string; name: string }> = {};
        if (patients) {
          const all = measures.labels(user.clinicId);
          for (const r of results) for (const g of r.groups) for (const id of g.populations.initialPopulation) labels[id] ??= all.get(id) ?? { mrn: '', name: '' };
        }
        audit.record({ action: 'measures.report', outcome: 'success', userId: user.id, target: 'measures', ip: ctx.ip, detail: { periodStart: period.start, periodEnd: period.end, provider: provider ? 'one' : 'all', patients } });
        sendJson(ctx.res, 200, {
          disclaimer: NOT_CERTIFIED,
          period,
          provider,
          providers,
          patientLists: patients,
          measures: MEASURES.map((m, i) => ({
            id: m.id,
            version: m.version,
            title: m.title,
            description: m.description,
            improvement: m.improvement,
            url: m.url,
            groups: results[i].groups.map((g) => ({ id: g.id, title: g.title, rate: g.rate, counts: counts(g.populations), populations: patients ? g.populations : null }))
          })),
          patients: labels
        });
      }
    },
    {
      method: 'GET',
      path: '/api/measures/csv',
      async handler(ctx) {
        const { user, patients } = staff(ctx);
        const q = ctx.url.searchParams;
        const kind = q.get('kind') ?? 'summary';
        if (kind !== 'summary' && kind !== 'patients') throw new AppError('invalid', 'kind must be summary or patients', [{ path: 'kind', message: 'summary or patients' }]);
        if (kind === 'patients' && !patients) {
          audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'measures', ip: ctx.ip, detail: { reason: 'role', kind } });
          throw new AppError('forbidden', 'Only clinicians and nurses may download patient lists.');
        }
        const period = periodOf(q);
        const provider = (q.get('provider') ?? '').slice(0, 200);
        const { results } = await evaluate(user.clinicId, user.id, period, provider);
        const labels = kind === 'patients' ? measures.labels(user.clinicId) : new Map();
        const body = kind === 'patients' ? patientsCsv(results, (id) => labels.get(id) ?? { mrn: '', name: '' }) : summaryCsv(results);
        audit.record({ action: 'measures.export', outcome: 'success', userId: user.id, target: 'measures', ip: ctx.ip, detail: { kind, periodStart: period.start, periodEnd: period.end, provider: provider ? 'one' : 'all' } });
        ctx.res.writeHead(200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="quality-measures-${kind}-${period.start}-${period.end}.csv"`,
          'cache-control': 'no-store'
        });
        ctx.res.end(body);
      }
    }
  ];
}

/** Population sizes only: what an administrator sees. */
function counts(p: Record<string, string[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.length]));
}
