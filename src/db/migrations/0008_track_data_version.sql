-- One way to put a table under the read cache's data version (0005_data_versions.sql): a module
-- whose cached reads render from a new table calls this in the migration that creates it. The
-- server checks at start that every table a module declares in `cachedTables` has the trigger.
CREATE FUNCTION track_data_version(t regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
                 'FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()', t);
END $$;
