"""Accountability: figures per institution, territory and program; rendición pública de cuentas."""
