export * from './roles';
export * from './topics';
export * from './services';
export * from './events';
export * from './envelope';
export * from './routes';
export * from './path-pattern';
