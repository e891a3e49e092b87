export * from './contract';
export * from './config';
export * from './lifecycle';
export * from './logger';
export * from './statistics';
