"""The offline drafter: house structure from precedents, facts only from the source, the firm's voice per genre."""
