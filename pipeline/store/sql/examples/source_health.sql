-- Is every source healthy? Last capture and last error per source.
SELECT source, last_capture, captures, quotes, last_status, last_error FROM v_source_health ORDER BY source;
