"""Stage warehouse: publish history, what a publish changes and the guard, the build lock, the research queue."""
