"""Reference-data sources: not prices, but what prices are converted with (FX rates)."""
