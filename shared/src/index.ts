export * from './contract';
export * from './http-server';
export * from './config';
export * from './lifecycle';
export * from './logger';
export * from './statistics';
export * from './metrics-exposition';
export * from './status-server';
