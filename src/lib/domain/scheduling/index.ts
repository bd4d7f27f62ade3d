export * from './appointment';
export * from './appointment-state';
export * from './availability';
export * from './conflicts';
export * from './day-view';
export * from './slots';
export * from './time-zone';
