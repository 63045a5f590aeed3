/**
 * A multi-choice filter as a row of toggle buttons (aria-pressed), its value the API's
 * comma-separated list ("High,Critical"), in the order of `options`.
 */
export function ToggleGroup({ label, options, value, onChange, render }: {
  label: string;
  options: readonly string[];
  value: string;
  onChange: (value: string) => void;
  render?: (option: string) => React.ReactNode;
}) {
  const chosen = new Set(value ? value.split(',') : []);
  const toggle = (o: string) => {
    const next = new Set(chosen);
    if (next.has(o)) next.delete(o);
    else next.add(o);
    onChange(options.filter((x) => next.has(x)).join(','));
  };
  return (
    <div className="fl-filter" role="group" aria-label={label}>
      <span className="fl-filter-label" aria-hidden="true">{label}</span>
      <div className="fl-chips">
        {options.map((o) => (
          <button key={o} type="button" className="fl-chip" aria-pressed={chosen.has(o)} onClick={() => toggle(o)}>
            {render ? render(o) : o}
          </button>
        ))}
      </div>
    </div>
  );
}
