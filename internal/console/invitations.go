package console

// invitationRoutes adds the routes of this screen.
func (h *Handler) invitationRoutes(r router) {}
