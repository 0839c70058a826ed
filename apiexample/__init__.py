"""Auth0's Django API quickstart done right: three endpoints behind an RS256 bearer-token validator."""
