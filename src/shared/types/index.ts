export type * from './host'
export type * from './operation'
export type * from './settings'
