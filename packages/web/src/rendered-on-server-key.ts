import type { InjectionKey } from 'vue';

/** Provided as true when the console took over a first view the server rendered (see `start-console.ts`). */
export const renderedOnServerKey: InjectionKey<boolean> = Symbol('renderedOnServer');
