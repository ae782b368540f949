-- Cheapest H100 SXM on-demand quotes per provider in the latest day of data (USD per GPU-hour).
SELECT provider, min(price_usd) AS cheapest_usd_per_gpu_hour, count(*) AS quotes
FROM quote
WHERE good = 'H100-SXM-80GB' AND pricing_type = 'on_demand'
  AND observed_at > (SELECT max(observed_at) FROM quote) - INTERVAL 1 DAY
GROUP BY provider
ORDER BY cheapest_usd_per_gpu_hour;
