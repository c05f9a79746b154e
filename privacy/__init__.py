"""Citizens' personal data (个人信息保护法): masking of ID, phone and bank card numbers, and log hygiene.

Standard library only: the Rasa process, the action server and the knowledge service all import it.
"""
