"""Help for a first-time learner: the Help menu, the shortcuts, the glossary, About and the guided tour."""
