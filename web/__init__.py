"""sop's web tasklist (`sop serve`): officials complete their SOP steps in a browser; a thin client of the engine's
public API (every rule, lane and check stays in the engine)."""
