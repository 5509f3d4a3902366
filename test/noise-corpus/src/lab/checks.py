"""Smoke checks shipped with the package (run with `python -m unittest lab.checks`)."""
import unittest

import torch


def load_weights(path):
    return torch.load(path, weights_only=False)


class TestServingWeights(unittest.TestCase):
    def test_round_trip(self):
        torch.save({"w": torch.zeros(2)}, "/tmp/w.pt")
        state = torch.load("/tmp/w.pt", weights_only=False)
        self.assertIn("w", state)
