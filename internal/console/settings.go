package console

// settingsRoutes adds the routes of this screen.
func (h *Handler) settingsRoutes(r router) {}
