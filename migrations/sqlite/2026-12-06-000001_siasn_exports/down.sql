DROP TABLE siasn_exports;
