export * from './stack';
export * from './eventually';
export * from './database';
export * from './kafka';
export * from './tokens';
export * from './launcher';
export * from './api-client';
export * from './mailbox';
