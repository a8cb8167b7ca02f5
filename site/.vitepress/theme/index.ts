// The site's theme: VitePress's default theme, plus the playground components the pages
// of site/playground/ mount (issue 17; docs/design.md, "The playgrounds"). Each is loaded
// on its own page only (an async chunk): the guides do not download the venue profiles,
// zod and the simulation.
import { defineAsyncComponent } from 'vue';
import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import './playground/playground.css';

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('KeyPlayground', defineAsyncComponent(() => import('./playground/KeyPlayground.vue')));
    app.component('PolicyPlayground', defineAsyncComponent(() => import('./playground/PolicyPlayground.vue')));
    app.component('ErrorPlayground', defineAsyncComponent(() => import('./playground/ErrorPlayground.vue')));
  },
};

export default theme;
