-- How long each container's fill rate spans: from the first fill reading since its last
-- collection to its latest one (src/live/state.rs, `ContainerState::fill_rate_per_hour`).
-- `wasteflow plan` and the `collections_due` view apply the rate factor only once it spans a
-- day (docs/planning.md). A column generated from the stored state, so that it is computed
-- in one place, never disagrees with the state it comes from, and readers need not know the
-- state's JSON shape (`fill_ms`, `base` = [fill, time]). NULL until a fill reading follows a
-- collection.
ALTER TABLE container_live ADD COLUMN fill_rate_span interval GENERATED ALWAYS AS (
    ((state ->> 'fill_ms')::float8 - (state -> 'base' ->> 1)::float8) * interval '1 millisecond'
) STORED;
