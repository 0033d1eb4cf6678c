"""Printed documents (PDF): the shared renderer and each document's builder."""
