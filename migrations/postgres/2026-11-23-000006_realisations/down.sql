DROP TABLE realisations;
