"""Explanations for the evaluation report."""
import shap


def explain(model, background):
    return shap.Explainer(model, background)
