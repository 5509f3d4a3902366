# A local experiment: untracked and ignored, so never scanned.
import torch

weights = torch.load("/tmp/candidate.pt")
