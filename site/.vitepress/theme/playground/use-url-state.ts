// A playground's state, kept in the page's URL query (see url-state.ts for the
// encoding). On the server and during hydration the state is the schema's defaults; the
// URL is read once the page is mounted, and every change is written back with
// history.replaceState (no new history entry, no request: the page is static).
import { onBeforeUnmount, onMounted, reactive, ref, shallowRef, watch, type Ref } from 'vue';
import { currentSearch, replaceSearch } from './browser.js';
import { decodeState, defaultState, encodeState, parseLines, stateProblems, type IgnoredParam, type Schema, type StateOf } from './url-state.js';

/** What {@link useUrlState} gives a component. */
export interface UrlState<S extends Schema> {
  /** The live state the controls are bound to. */
  readonly state: StateOf<S>;
  /**
   * The state the results are computed from: `state` once it is valid and has stopped
   * changing for `settleMs` (so typing in a field does not recompute on every key).
   */
  readonly settled: Ref<StateOf<S>>;
  /** Fields of `state` that do not fit the schema, with why. */
  readonly problems: Ref<Partial<Record<keyof S, string>>>;
  /** URL parameters that were not used when the page was opened. */
  readonly ignored: Ref<readonly IgnoredParam[]>;
  /** Back to every default. */
  reset(): void;
}

/** Binds `schema`'s state to the URL query. @param settleMs - quiet time before results are recomputed. @default 150 */
export function useUrlState<S extends Schema>(schema: S, settleMs = 150): UrlState<S> {
  const state = reactive(defaultState(schema)) as StateOf<S>;
  const settled = shallowRef(defaultState(schema)) as Ref<StateOf<S>>;
  const problems = ref(stateProblems(schema, state)) as Ref<Partial<Record<keyof S, string>>>;
  const ignored = ref<readonly IgnoredParam[]>([]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let mounted = false;

  const snapshot = (): StateOf<S> => {
    const copy: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(state)) copy[name] = Array.isArray(value) ? [...(value as unknown[])] : value;
    return copy as StateOf<S>;
  };

  watch(
    () => snapshot(),
    () => {
      problems.value = stateProblems(schema, state);
      if (!mounted) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        replaceSearch(encodeState(schema, state));
        if (Object.keys(problems.value).length === 0) settled.value = snapshot();
      }, settleMs);
    },
    { deep: true },
  );

  onMounted(() => {
    const decoded = decodeState(schema, currentSearch());
    Object.assign(state, decoded.state);
    ignored.value = decoded.ignored;
    problems.value = stateProblems(schema, state);
    settled.value = snapshot();
    mounted = true;
  });
  onBeforeUnmount(() => clearTimeout(timer));

  return {
    state,
    settled,
    problems,
    ignored,
    reset(): void {
      Object.assign(state, defaultState(schema));
    },
  };
}

/**
 * The text of a box that edits a list field one item per line. Blank lines stay while
 * the user types (the list skips them); a change of the list from elsewhere (the URL,
 * an example) rewrites the text.
 */
export function useLinesText(get: () => readonly string[], set: (lines: string[]) => void): Ref<string> {
  const text = ref(get().join('\n'));
  watch(get, (lines) => {
    const typed = parseLines(text.value);
    if (typed.length !== lines.length || typed.some((line, i) => line !== lines[i])) text.value = lines.join('\n');
  });
  watch(text, (value) => {
    set(parseLines(value));
  });
  return text;
}
