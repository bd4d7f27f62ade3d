/** Public surface of the drug checks. */
export { checkOrder } from './check-order';
export { searchDrugs, type DrugSearchResult } from './drug-search';
export { bundledDrugPack, parseDrugPack, DrugPackError } from './drug-pack';
export { cdsHooksOrderSign, CdsHooksRequestError, ORDER_SIGN_SERVICE_ID } from './cds-hooks/order-sign';
export { cdsServicesDiscovery } from './cds-hooks/discovery';
export type { Card } from './cds-hooks/cards';
export type { Alert, AlertKind, AlertFactor, InvolvedItem } from './alert';
export { isInterruptive } from './alert';
export type { CheckOrderInput, MedicationInput, AllergyInput, PatientContext, ConditionInput, ObservationInput } from './inputs';
export type { DrugPack, Drug, Severity, Route } from './pack-schema';
