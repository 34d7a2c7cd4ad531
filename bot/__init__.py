"""Half-Hour Mediation (半小时调解): labour-dispute mediation chat front and case store."""
