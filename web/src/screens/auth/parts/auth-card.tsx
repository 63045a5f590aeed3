import { useEffect, type ReactNode } from 'react';
import '../../../styles/auth.css';

/** The frame of the pages before the app: brand, title, one card, a footer line. */
export function AuthCard({ title, subtitle, children, footer, wide }: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}) {
  useEffect(() => {
    document.title = `${title} · NEURO`;
  }, [title]);
  return (
    <main className="auth-page">
      <div className={`auth-card ${wide ? 'auth-card-wide' : ''}`}>
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">N</span>
          <span className="brand-name">NEURO</span>
        </div>
        <h1>{title}</h1>
        {subtitle && <p className="auth-subtitle">{subtitle}</p>}
        {children}
      </div>
      {footer && <div className="auth-footer">{footer}</div>}
    </main>
  );
}
