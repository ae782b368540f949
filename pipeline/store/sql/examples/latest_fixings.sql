-- What did every index fix at on the latest date?
SELECT index_code, status, value, n_providers, flags FROM v_latest_fixings ORDER BY index_code;
