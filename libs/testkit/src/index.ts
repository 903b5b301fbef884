export * from './stack';
export * from './eventually';
export * from './database';
export * from './kafka';
export * from './tokens';
