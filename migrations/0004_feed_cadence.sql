-- How often a feed publishes, measured from its own items' dates (issue #6:
-- feeds that publish often are polled more often, within the configured bounds).
ALTER TABLE feeds ADD COLUMN cadence_secs INTEGER;
