-- The most common reasons rows were rejected.
SELECT source, rule, rejections, example_reason FROM v_rejections_by_reason ORDER BY rejections DESC LIMIT 20;
