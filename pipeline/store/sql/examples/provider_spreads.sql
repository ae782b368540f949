-- Which providers sit furthest from the fixing on the latest date, and were they counted?
SELECT index_code, provider, provider_value, fixing_value, round(spread_to_fixing * 100, 2) AS spread_pct, verdict
FROM v_provider_spreads
WHERE fixing_date = (SELECT max(fixing_date) FROM v_provider_spreads)
ORDER BY abs(spread_to_fixing) DESC NULLS LAST
LIMIT 20;
