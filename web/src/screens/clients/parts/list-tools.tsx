import { useEffect, useState } from 'react';
import { ApiError } from '../../../api/errors';
import { ErrorState } from '../../../ui/feedback';
import { Icon } from '../../../ui/icons';

/** `value`, once it has stood still for `ms`: a search box asks the API once per pause, not per key. */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/**
 * A search box over a list whose search lives in the URL: typing shows at once, the URL (and so
 * the API query) follows after a pause.
 */
export function SearchBox({ value, onSearch, label, placeholder }: {
  value: string;
  onSearch: (value: string) => void;
  label: string;
  placeholder?: string;
}) {
  const [text, setText] = useState(value);
  const settled = useDebounced(text);
  useEffect(() => {
    if (settled !== value) onSearch(settled);
    // Only a settled change of the text searches; a new `value` from the URL is adopted below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settled]);
  useEffect(() => {
    setText((t) => (t === value ? t : value));
  }, [value]);
  return (
    <div className="field ws-search">
      <label htmlFor="ws-search" className="sr-only">{label}</label>
      <span className="ws-search-icon" aria-hidden="true"><Icon name="search" size={16} /></span>
      <input id="ws-search" type="search" value={text} placeholder={placeholder ?? label} onChange={(e) => setText(e.target.value)} />
    </div>
  );
}

/** The page state of a list in the URL, as numbers for the API. */
export function pageQuery(state: { page: string; sort: string; order: string }, limit = 25) {
  return { page: Number(state.page) || 1, limit, sort: state.sort, order: state.order as 'asc' | 'desc' };
}

/** The API's `details` of a failed save, by field, for the form's `Field`s. */
export function fieldErrors(err: unknown): Record<string, string> {
  return err instanceof ApiError ? err.fields : {};
}

/** The failure of a save, said in a banner when no field of the form carries it. */
export function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  if (!error) return null;
  const named = Object.keys(fieldErrors(error)).filter((f) => fields.includes(f));
  if (named.length > 0) return null;
  return <ErrorState error={error} />;
}
