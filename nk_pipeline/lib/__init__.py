"""Pure library code: no Dagster here, so every piece is unit-testable on its own."""
