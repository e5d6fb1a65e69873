-- Forecast history. Each load sample gets the forecast metric's workload total (total cores,
-- total req/s: what the forecaster is fitted on; the policy's first metric when it forecasts
-- nothing, so switching a forecast on finds history), the instances that total needs at the
-- policy's target, and the forecast made at that evaluation with its lead (the chart draws past
-- forecasts at the end of their span, against what happened). The 1-minute roll-ups keep the
-- total's mean (15 days, what a restarted controller refits from) and the highest needs.
ALTER TABLE load_samples ADD COLUMN total REAL;
ALTER TABLE load_samples ADD COLUMN need REAL;
ALTER TABLE load_samples ADD COLUMN forecast_need REAL;
ALTER TABLE load_samples ADD COLUMN forecast_lead INTEGER;
ALTER TABLE load_rollups ADD COLUMN total_sum REAL NOT NULL DEFAULT 0;
ALTER TABLE load_rollups ADD COLUMN total_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE load_rollups ADD COLUMN need_max REAL;
ALTER TABLE load_rollups ADD COLUMN forecast_need_max REAL;
ALTER TABLE load_rollups ADD COLUMN forecast_lead_max INTEGER;
