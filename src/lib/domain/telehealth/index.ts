export * from './join';
export * from './participants';
export * from './visit-status';
