"""Writing an item and its 短评: the draft job, the drafting service, prompts, the model client, limits, the fact guard and the offline drafter."""
