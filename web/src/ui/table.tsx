import { useRef, type KeyboardEvent, type ReactNode } from 'react';
import { Icon } from './icons';
import { EmptyState, ErrorState, Spinner } from './feedback';

export interface Column<T> {
  key: string;
  header: string;
  /** The API's `sort` value when the column can sort. */
  sort?: string;
  render: (row: T) => ReactNode;
  className?: string;
}

interface Selection {
  ids: Set<string>;
  onChange: (ids: Set<string>) => void;
}

/**
 * A table of API rows: sortable headers (the API sorts), optional row selection for bulk actions,
 * and keyboard navigation — ↑/↓ (or j/k) move between rows, Enter opens one.
 */
export function DataTable<T extends { id: string }>({
  columns, rows, caption, sort, order, onSort, onOpen, selection, loading, error, retry, empty,
}: {
  columns: Column<T>[];
  rows: T[] | undefined;
  caption: string;
  sort?: string;
  order?: 'asc' | 'desc';
  onSort?: (sort: string, order: 'asc' | 'desc') => void;
  onOpen?: (row: T) => void;
  selection?: Selection;
  loading?: boolean;
  error?: unknown;
  retry?: () => void;
  empty?: ReactNode;
}) {
  const body = useRef<HTMLTableSectionElement>(null);
  if (error) return <ErrorState error={error} retry={retry} />;
  if (!rows) return <Spinner />;
  if (rows.length === 0) return <>{empty ?? <EmptyState title="Nothing here yet" />}</>;

  const focusRow = (i: number) => {
    const trs = body.current?.querySelectorAll<HTMLTableRowElement>('tr');
    trs?.[Math.max(0, Math.min(trs.length - 1, i))]?.focus();
  };
  const onKey = (e: KeyboardEvent<HTMLTableRowElement>, i: number, row: T) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'ArrowDown' || e.key === 'j') { e.preventDefault(); focusRow(i + 1); }
    else if (e.key === 'ArrowUp' || e.key === 'k') { e.preventDefault(); focusRow(i - 1); }
    else if (e.key === 'Enter' && onOpen) { e.preventDefault(); onOpen(row); }
    else if (e.key === ' ' && selection) { e.preventDefault(); toggle(row.id); }
  };
  const toggle = (id: string) => {
    if (!selection) return;
    const ids = new Set(selection.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    selection.onChange(ids);
  };
  const allSelected = !!selection && rows.length > 0 && rows.every((r) => selection.ids.has(r.id));

  return (
    <div className={`table-wrap ${loading ? 'is-refreshing' : ''}`}>
      <table className="table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {selection && (
              <th className="col-select">
                <input type="checkbox" aria-label="Select all on this page" checked={allSelected}
                  onChange={() => selection.onChange(allSelected ? new Set() : new Set(rows.map((r) => r.id)))} />
              </th>
            )}
            {columns.map((c) => {
              const active = c.sort && sort === c.sort;
              return (
                <th key={c.key} className={c.className} aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined} scope="col">
                  {c.sort && onSort ? (
                    <button type="button" className="sort-button" onClick={() => onSort(c.sort!, active && order === 'desc' ? 'asc' : 'desc')}>
                      {c.header}
                      {active && <Icon name={order === 'asc' ? 'sortUp' : 'sortDown'} size={14} />}
                    </button>
                  ) : c.header}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody ref={body}>
          {rows.map((row, i) => (
            <tr key={row.id} tabIndex={0} onKeyDown={(e) => onKey(e, i, row)}
              onClick={(e) => { if (onOpen && !(e.target as HTMLElement).closest('a,button,input,label')) onOpen(row); }}
              className={onOpen ? 'row-link' : undefined} aria-selected={selection ? selection.ids.has(row.id) : undefined}>
              {selection && (
                <td className="col-select">
                  <input type="checkbox" aria-label="Select row" checked={selection.ids.has(row.id)} onChange={() => toggle(row.id)} />
                </td>
              )}
              {columns.map((c) => <td key={c.key} className={c.className}>{c.render(row)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Pagination({ page, pages, total, limit, onPage, noun = 'items' }: {
  page: number;
  pages: number;
  total: number;
  limit: number;
  onPage: (page: number) => void;
  noun?: string;
}) {
  if (total === 0) return null;
  const from = (page - 1) * limit + 1;
  const to = Math.min(total, page * limit);
  return (
    <nav className="pagination" aria-label="Pages">
      <span className="pagination-summary">{from.toLocaleString()}–{to.toLocaleString()} of {total.toLocaleString()} {noun}</span>
      <button type="button" className="btn btn-secondary btn-sm" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        <Icon name="chevronLeft" size={16} /> Previous
      </button>
      <span aria-current="page">Page {page} of {Math.max(1, pages)}</span>
      <button type="button" className="btn btn-secondary btn-sm" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next <Icon name="chevronRight" size={16} />
      </button>
    </nav>
  );
}
