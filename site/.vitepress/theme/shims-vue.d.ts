// Lets the repository's TypeScript check (tsc -p .) read imports of the theme's Vue
// components; the components themselves are compiled by VitePress.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
