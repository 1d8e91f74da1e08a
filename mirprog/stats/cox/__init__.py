"""Cox proportional hazards: the fit, continuous and spline forms, the PH test,
backward selection."""
