"""Step through backprop: five stages of one step on one example, the mini-batch ledger, the check."""
