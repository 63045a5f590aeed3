import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/errors';

/**
 * The state of a create/edit form in a dialog: its text values, the save (a mutation that, once
 * it succeeds, refreshes the queries of `collections`), the API's per-field errors, and a close
 * that forgets what was typed and any error.
 */
export function useDialogForm<V extends Record<string, string>, R>(opts: {
  initial: () => V;
  save: (values: V) => Promise<R>;
  collections: string[];
  onSaved: (saved: R) => void;
  onClose: () => void;
}) {
  const qc = useQueryClient();
  const [values, setValues] = useState<V>(opts.initial);
  const mutation = useMutation({
    mutationFn: opts.save,
    onSuccess: (saved) => {
      for (const c of opts.collections) void qc.invalidateQueries({ queryKey: [c] });
      opts.onSaved(saved);
    },
  });
  return {
    values,
    mutation,
    errors: mutation.error instanceof ApiError ? mutation.error.fields : ({} as Record<string, string>),
    set: (k: keyof V) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [k]: e.target.value })),
    submit: (e: FormEvent) => {
      e.preventDefault();
      mutation.mutate(values);
    },
    close: () => {
      mutation.reset();
      setValues(opts.initial());
      opts.onClose();
    },
  };
}
