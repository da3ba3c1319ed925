"""The permissions of the click screen, which the API asks for too."""

VIEW_CLICK = "clicks.view_click"  # every user's clicks and the admin filters
