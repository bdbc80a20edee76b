package sqlstore

// ChangesChannelFor exposes the live-update channel's name to tests.
var ChangesChannelFor = changesChannelFor
