"""Signal sources: the built-in simulated patch and Bluetooth LE patches, behind one interface."""
