import { useEffect, useId, type ReactNode } from 'react';
import { NavLink } from 'react-router';

/** A screen's title (also the document's), its description and its main actions. */
export function PageHeader({ title, description, actions, breadcrumb }: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  breadcrumb?: ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} · NEURO`;
  }, [title]);
  return (
    <header className="page-header">
      <div>
        {breadcrumb && <div className="breadcrumb">{breadcrumb}</div>}
        <h1>{title}</h1>
        {description && <p className="page-description">{description}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

/** Tabs that are links (each tab has its own URL). */
export function TabLinks({ tabs, label }: { tabs: { to: string; label: string; end?: boolean }[]; label: string }) {
  return (
    <nav className="tabs" aria-label={label}>
      {tabs.map((t) => <NavLink key={t.to} to={t.to} end={t.end} className="tab">{t.label}</NavLink>)}
    </nav>
  );
}

export function Card({ title, children, actions, className }: { title?: ReactNode; children: ReactNode; actions?: ReactNode; className?: string }) {
  const titleId = useId();
  return (
    <section className={`card ${className ?? ''}`} aria-labelledby={title ? titleId : undefined}>
      {(title || actions) && (
        <header className="card-header">
          {title && <h2 id={titleId}>{title}</h2>}
          {actions}
        </header>
      )}
      {children}
    </section>
  );
}
