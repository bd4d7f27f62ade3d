import type { TLSSocket } from 'node:tls';
import { allQuestionnaires, QUESTIONNAIRE_IDS, toFhirQuestionnaire } from '../../../src/lib/domain/intake/questionnaires';
import { requireUser, type RequestContext, type Route } from '../../http/context';
import { sendFhir } from '../operation-outcome';

/**
 * The pre-visit intake forms as FHIR R4 Questionnaire resources
 * (domain/intake/questionnaires.ts): `GET /fhir/R4/Questionnaire` (all of
 * them, a searchset Bundle) and `GET /fhir/R4/Questionnaire/<id>`. They are
 * definitions, not patient data: any signed-in staff session reads them
 * (patient sessions never reach /fhir: patient-gate.ts). Exact paths, so
 * they sit beside the chart resources' `/fhir/R4/:type/:id` (route-table.ts).
 * Completed forms are kept in the chart (chart/intake-doc.ts) and map to
 * QuestionnaireResponse (domain/intake/intake-fhir.ts).
 */
function base(ctx: RequestContext): string {
  const scheme = (ctx.req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${ctx.req.headers.host ?? 'localhost'}/fhir/R4`;
}

export function questionnaireRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/fhir/R4/Questionnaire',
      handler(ctx) {
        requireUser(ctx);
        const b = base(ctx);
        const entry = allQuestionnaires(b).map((q) => ({ fullUrl: `${b}/Questionnaire/${q.id}`, resource: q, search: { mode: 'match' } }));
        sendFhir(ctx.res, 200, { resourceType: 'Bundle', type: 'searchset', total: entry.length, entry });
      }
    },
    ...QUESTIONNAIRE_IDS.map(
      (id): Route => ({
        method: 'GET',
        path: `/fhir/R4/Questionnaire/${id}`,
        handler(ctx) {
          requireUser(ctx);
          sendFhir(ctx.res, 200, toFhirQuestionnaire(id, base(ctx)));
        }
      })
    )
  ];
}
