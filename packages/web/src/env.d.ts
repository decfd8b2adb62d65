/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
/** The first view's queries as the Apollo client sends them (see `firstQueries` in vite.config.ts). */
declare module 'virtual:first-queries' {
  export const meQuery: string;
  export const organizationsQuery: string;
}
