-- The tenants whose finding counters (finding_counts 0001, finding_terms 0012, finding_weeks 0016)
-- hold slot rows not yet folded, for the counter folder (findings/counter-fold.ts) to fold when the
-- server starts. It otherwise folds a tenant after a finding write through its own process, so the
-- slots written before a restart, or by a bulk load, were summed on every read until the tenant's
-- next write. The owner's, as it reads across tenants; it answers tenant ids only. A scan of the
-- three tables, once a start.
CREATE FUNCTION finding_counter_unfolded() RETURNS SETOF text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT tenant_id FROM finding_counts WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_terms WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_weeks WHERE slot <> -1
$$;
REVOKE ALL ON FUNCTION finding_counter_unfolded() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION finding_counter_unfolded() TO neuro_app;
